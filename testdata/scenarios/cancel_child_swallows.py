# Checks: cancelling A while it awaits task B only cancels B (A's cancel request is
# forwarded, not also queued on A). If B swallows the CancelledError and returns,
# A receives B's value and keeps running; A.cancelling() still reports 1.
# Spec: "Coroutines and Tasks" -> Task.cancel() / Task Cancellation ("the Task
# can suppress cancellation"); CPython Task.cancel forwards to _fut_waiter.
import asyncio


async def b():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("B swallowed cancellation")
    return "b-value"


async def a(tb):
    v = await tb
    print("A got", v, "cancelling()", asyncio.current_task().cancelling())
    await asyncio.sleep(0.1)
    print("A finished normally")
    return "a-value"


async def main():
    tb = asyncio.create_task(b())
    ta = asyncio.create_task(a(tb))
    await asyncio.sleep(0.1)
    print("cancel A returned", ta.cancel())
    print("result A", await ta)
    print("A cancelled", ta.cancelled(), "B cancelled", tb.cancelled())


asyncio.run(main())
