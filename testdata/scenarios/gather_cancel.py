# Checks: cancelling the task that awaits gather() cancels the gather future,
# which cancels every child (in argument order); the awaiting task then gets
# CancelledError after all children finished.
# Spec: "Coroutines and Tasks" -> asyncio.gather() ("If gather() is cancelled, all
# submitted awaitables (that have not completed yet) are also cancelled").
import asyncio


async def child(n):
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print(f"child {n} cancelled")
        raise


async def parent():
    try:
        await asyncio.gather(child(1), child(2), child(3))
    except asyncio.CancelledError:
        print("parent cancelled")
        raise


async def main():
    t = asyncio.create_task(parent())
    await asyncio.sleep(0.1)
    print("main cancelling parent")
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("main caught CancelledError")
    print("parent cancelled()", t.cancelled())


asyncio.run(main())
