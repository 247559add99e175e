# Checks: asyncio.as_completed yields awaitables in completion order (0.1, 0.3,
# 0.5) regardless of argument order; with timeout=0.2 the second next-await
# raises TimeoutError (remaining tasks keep running, not cancelled).
# Spec: "Coroutines and Tasks" -> Waiting Primitives -> asyncio.as_completed().
import asyncio


async def job(name, delay):
    await asyncio.sleep(delay)
    return name


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    specs = [("slow", 0.5), ("fast", 0.1), ("mid", 0.3)]
    for aw in asyncio.as_completed([job(n, d) for n, d in specs]):
        r = await aw
        print(f"{r} {loop.time() - t0:.1f}")
    t0 = loop.time()
    tasks = [asyncio.create_task(job(n, d)) for n, d in specs]
    try:
        for aw in asyncio.as_completed(tasks, timeout=0.2):
            print(f"{await aw} {loop.time() - t0:.1f}")
    except TimeoutError:
        print(f"TimeoutError {loop.time() - t0:.1f}")
    print("still running", sum(not t.done() for t in tasks))
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


asyncio.run(main())
