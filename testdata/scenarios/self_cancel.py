# Checks: a task calling cancel() on itself keeps running until its next await,
# which raises CancelledError immediately (the sleep does not wait); the task
# ends cancelled.
# Spec: "Coroutines and Tasks" -> Task.cancel() ("arranges for a CancelledError
# to be thrown into the wrapped coroutine on the next cycle of the event loop").
import asyncio


async def selfish(t0):
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    print("cancel returned", me.cancel())
    print("still running, cancelling()", me.cancelling())
    try:
        await asyncio.sleep(0.5)
        print("not reached")
    except asyncio.CancelledError:
        print(f"CancelledError at next await {loop.time() - t0:.1f}")
        raise


async def main():
    loop = asyncio.get_running_loop()
    t = asyncio.create_task(selfish(loop.time()))
    try:
        await t
    except asyncio.CancelledError:
        print("main caught CancelledError")
    print("cancelled", t.cancelled())


asyncio.run(main())
