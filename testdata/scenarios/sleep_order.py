# Checks: tasks sleeping 0.3/0.1/0.2 wake in deadline order; two tasks with the
# same delay wake in creation order (their deadlines are taken in that order).
# Spec: "Coroutines and Tasks" -> Sleeping; "Event Loop" -> Scheduling delayed
# callbacks (timers fire in deadline order).
import asyncio


async def sleeper(name, delay, t0):
    loop = asyncio.get_running_loop()
    print(f"{name} sleeping {delay}")
    await asyncio.sleep(delay)
    print(f"{name} woke {loop.time() - t0:.1f}")


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    tasks = [asyncio.create_task(sleeper(n, d, t0))
             for n, d in [("a", 0.3), ("b", 0.1), ("c", 0.2)]]
    await asyncio.gather(*tasks)
    print("part 2")
    t0 = loop.time()
    tasks = [asyncio.create_task(sleeper(n, 0.1, t0)) for n in ["first", "second"]]
    await asyncio.gather(*tasks)
    print("main end")


asyncio.run(main())
