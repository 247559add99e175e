# Checks: asyncio.wait_for returns the awaitable's value when it finishes before
# the timeout (no cancellation, no TimeoutError); timeout=None waits forever.
# Spec: "Coroutines and Tasks" -> Timeouts -> asyncio.wait_for() ("Return the result of the Future").
import asyncio


async def work(value, delay):
    await asyncio.sleep(delay)
    print("work finishing", value)
    return value


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    r = await asyncio.wait_for(work(42, 0.1), 0.5)
    print(f"result {r} {loop.time() - t0:.1f}")
    r = await asyncio.wait_for(work(43, 0.1), None)
    print(f"result {r} {loop.time() - t0:.1f}")


asyncio.run(main())
