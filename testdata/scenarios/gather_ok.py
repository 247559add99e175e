# Checks: asyncio.gather runs its awaitables concurrently and returns results in
# argument order, not completion order; total time = longest child (0.3).
# Spec: "Coroutines and Tasks" -> Running Tasks Concurrently -> asyncio.gather()
# ("The order of result values corresponds to the order of awaitables in aws").
import asyncio


async def child(name, delay, t0):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay)
    print(f"{name} finished {loop.time() - t0:.1f}")
    return name


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    results = await asyncio.gather(child("x", 0.3, t0), child("y", 0.1, t0),
                                   child("z", 0.2, t0))
    print("results", " ".join(results))
    print(f"gather returned {loop.time() - t0:.1f}")


asyncio.run(main())
