# Checks: cancelling a task while it is inside asyncio.wait_for(inner, 1.0)
# cancels the inner awaitable and propagates CancelledError to the task; it is
# NOT converted into TimeoutError (the timeout did not expire).
# Spec: "Coroutines and Tasks" -> asyncio.wait_for() ("If the wait is cancelled,
# the future aw is also cancelled"); Task Cancellation.
import asyncio


async def inner(t0):
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(0.5)
    except asyncio.CancelledError:
        print(f"inner cancelled {loop.time() - t0:.1f}")
        raise


async def outer(t0):
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(inner(t0), 1.0)
    except TimeoutError:
        print("outer got TimeoutError (wrong)")
    except asyncio.CancelledError:
        print(f"outer got CancelledError {loop.time() - t0:.1f}")
        raise


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    t = asyncio.create_task(outer(t0))
    await asyncio.sleep(0.1)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("main caught CancelledError")
    print("outer cancelled", t.cancelled())


asyncio.run(main())
