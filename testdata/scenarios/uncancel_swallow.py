# Checks: a task may catch CancelledError and return normally; awaiting it gives
# the value and cancelled() is False. cancelling() counts pending cancel
# requests (0 -> 1 after cancel) and uncancel() decrements it (-> 0).
# Spec: "Coroutines and Tasks" -> Task Cancellation; Task.cancelling(), Task.uncancel() (3.11).
import asyncio


async def stubborn():
    me = asyncio.current_task()
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("caught, cancelling()", me.cancelling())
        print("uncancel returned", me.uncancel())
        print("after uncancel, cancelling()", me.cancelling())
    await asyncio.sleep(0.1)
    return "recovered"


async def main():
    t = asyncio.create_task(stubborn())
    await asyncio.sleep(0.1)
    print("before cancel, cancelling()", t.cancelling())
    t.cancel()
    print("after cancel, cancelling()", t.cancelling())
    v = await t
    print("result", v)
    print("cancelled", t.cancelled())


asyncio.run(main())
