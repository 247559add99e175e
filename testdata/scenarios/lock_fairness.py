# Checks: asyncio.Lock grants the lock to waiters in FIFO order; after release()
# a task calling acquire() cannot barge ahead of already-queued waiters (the
# releaser re-acquiring queues behind them).
# Spec: "Synchronization Primitives" -> Lock ("fair: ... the first coroutine that
# started waiting on the Lock proceeds"); Lock.acquire().
import asyncio


async def worker(name, lock, t0):
    loop = asyncio.get_running_loop()
    print(f"{name} waiting")
    async with lock:
        print(f"{name} acquired {loop.time() - t0:.1f}")
        await asyncio.sleep(0.1)
    print(f"{name} released")


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    lock = asyncio.Lock()
    await lock.acquire()
    tasks = [asyncio.create_task(worker(n, lock, t0)) for n in "ABC"]
    await asyncio.sleep(0)
    print("main releasing, locked", lock.locked())
    lock.release()
    print("main re-acquiring, locked", lock.locked())
    await lock.acquire()
    print(f"main acquired {loop.time() - t0:.1f}")
    lock.release()
    await asyncio.gather(*tasks)
    try:
        lock.release()
    except RuntimeError:
        print("release of unlocked lock: RuntimeError")


asyncio.run(main())
