# Checks: cancelling task A while it awaits task B forwards the cancellation to
# B (A's cancel() cancels the future A is waiting on); B handles it first, then
# A receives CancelledError from awaiting B. Both end cancelled.
# Spec: "Coroutines and Tasks" -> Task.cancel() ("the Task ... will be cancelled
# ... the awaited object is cancelled"); Task Cancellation.
import asyncio


async def b():
    try:
        print("B start")
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("B cancelled")
        raise
    finally:
        print("B finally")


async def a(tb):
    try:
        print("A awaiting B")
        await tb
    except asyncio.CancelledError:
        print("A cancelled")
        raise


async def main():
    tb = asyncio.create_task(b())
    ta = asyncio.create_task(a(tb))
    await asyncio.sleep(0.1)
    print("main cancel A", ta.cancel())
    try:
        await ta
    except asyncio.CancelledError:
        print("main caught CancelledError")
    print("A cancelled", ta.cancelled())
    print("B cancelled", tb.cancelled())


asyncio.run(main())
