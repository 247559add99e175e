# Checks: asyncio.wait_for(coro, 0.2) on a coroutine sleeping 1.0 cancels it at
# the deadline (the coroutine sees CancelledError and its cleanup runs before
# wait_for returns) and then raises TimeoutError at t=0.2.
# Spec: "Coroutines and Tasks" -> Timeouts -> asyncio.wait_for() ("If a timeout
# occurs, it cancels the task and raises TimeoutError ... waits until the future is actually cancelled").
import asyncio


async def slow(t0):
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(1.0)
        return "not reached"
    except asyncio.CancelledError:
        print(f"slow saw CancelledError {loop.time() - t0:.1f}")
        raise
    finally:
        print("slow finally")


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        await asyncio.wait_for(slow(t0), 0.2)
    except TimeoutError as e:
        print(f"main caught {type(e).__name__} {loop.time() - t0:.1f}")


asyncio.run(main())
