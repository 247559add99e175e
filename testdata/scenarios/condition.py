# Checks: Condition.wait() releases the lock and waits; notify(1) wakes the
# longest waiter only; notify_all() wakes the rest in FIFO order, each
# re-acquiring the lock before wait() returns; wait_for(predicate) re-checks it.
# Spec: "Synchronization Primitives" -> Condition (wait, notify, notify_all, wait_for).
import asyncio


async def waiter(name, cond):
    async with cond:
        print(f"{name} waiting")
        await cond.wait()
        print(f"{name} woke, lock held {cond.locked()}")


async def pred_waiter(cond, box):
    async with cond:
        await cond.wait_for(lambda: box["n"] >= 2)
        print("pred_waiter saw n =", box["n"])


async def main():
    cond = asyncio.Condition()
    tasks = [asyncio.create_task(waiter(n, cond)) for n in ["w1", "w2", "w3"]]
    await asyncio.sleep(0)
    async with cond:
        print("notify(1)")
        cond.notify(1)
    await asyncio.sleep(0.1)
    async with cond:
        print("notify_all")
        cond.notify_all()
    await asyncio.gather(*tasks)
    box = {"n": 0}
    pt = asyncio.create_task(pred_waiter(cond, box))
    for _ in range(2):
        await asyncio.sleep(0)
        async with cond:
            box["n"] += 1
            print("n ->", box["n"])
            cond.notify_all()
    await pt


asyncio.run(main())
