# Checks: a pending cancel request wins even if the coroutine returns without
# awaiting again: the task ends cancelled and its return value is discarded.
# Spec: "Coroutines and Tasks" -> Task.cancel() (request is delivered "on the next
# cycle"); CPython Task.__step: StopIteration with _must_cancel -> cancelled.
import asyncio


async def returns_after_self_cancel():
    asyncio.current_task().cancel()
    print("returning 5 without awaiting")
    return 5


async def main():
    t = asyncio.create_task(returns_after_self_cancel())
    try:
        v = await t
        print("got value", v)
    except asyncio.CancelledError:
        print("main caught CancelledError")
    print("cancelled", t.cancelled())


asyncio.run(main())
