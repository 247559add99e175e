# Checks: tasks start in creation order and each `await asyncio.sleep(0)` yields
# exactly one event-loop iteration, so ready tasks round-robin in FIFO order.
# Awaiting an already-finished task does not suspend.
# Spec: "Coroutines and Tasks" -> Creating Tasks; Sleeping ("sleep() always
# suspends the current task, allowing other tasks to run"; delay 0 = yield).
import asyncio


async def worker(name):
    for i in range(3):
        print(f"{name} {i}")
        await asyncio.sleep(0)
    print(f"{name} done")


async def main():
    tasks = [asyncio.create_task(worker(n)) for n in "ABC"]
    print("main created tasks")
    for name, t in zip("ABC", tasks):
        await t
        print(f"main awaited {name}")
    print("main end")


asyncio.run(main())
