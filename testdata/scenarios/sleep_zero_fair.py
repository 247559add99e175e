# Checks: a task spinning on `await asyncio.sleep(0)` does not starve timers: each
# loop iteration also processes expired timers, so a task sleeping 0.1 wakes on
# time and the spinner observes it.
# Spec: "Coroutines and Tasks" -> Sleeping ("Setting the delay to 0 provides an
# optimized path to allow other tasks to run"); "Event Loop" -> Scheduling delayed callbacks.
import asyncio

state = {"woke": False}


async def spinner(t0):
    loop = asyncio.get_running_loop()
    print("spinner start")
    spins = 0
    while not state["woke"]:
        await asyncio.sleep(0)
        spins += 1
    print(f"spinner saw timer task {loop.time() - t0:.1f} spun {spins > 1}")


async def timer_task(t0):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.1)
    print(f"timer task woke {loop.time() - t0:.1f}")
    state["woke"] = True


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await asyncio.gather(spinner(t0), timer_task(t0))
    print("main end")


asyncio.run(main())
