# Checks: cancel() on a task that already finished returns False and changes
# nothing: cancelled() stays False and result() is still available.
# Spec: "Coroutines and Tasks" -> Task.cancel() / Future.cancel() ("If the Future
# is already done or cancelled, return False").
import asyncio


async def quick():
    print("quick runs")
    return 7


async def main():
    t = asyncio.create_task(quick())
    await t
    print("done", t.done())
    print("cancel returned", t.cancel())
    print("cancelled", t.cancelled())
    print("result", t.result())
    print("cancelling", t.cancelling())


asyncio.run(main())
