# Checks: (1) a Lock waiter cancelled while queued is removed and never gets the
# lock; the next waiter does. (2) a waiter cancelled after release() already
# woke it (before it ran) passes the lock on to the next waiter - the lock is
# neither lost nor held by the cancelled task.
# Spec: "Synchronization Primitives" -> Lock.acquire()/release(); "Task Cancellation".
import asyncio


async def waiter(name, lock):
    try:
        async with lock:
            print(f"{name} got lock")
            await asyncio.sleep(0.1)
        print(f"{name} released")
    except asyncio.CancelledError:
        print(f"{name} cancelled, lock locked", lock.locked())
        raise


async def scenario(label, cancel_after_release):
    print(label)
    lock = asyncio.Lock()
    await lock.acquire()
    a = asyncio.create_task(waiter("A", lock))
    b = asyncio.create_task(waiter("B", lock))
    await asyncio.sleep(0)
    if cancel_after_release:
        lock.release()
        a.cancel()
    else:
        a.cancel()
        await asyncio.sleep(0)
        lock.release()
    await asyncio.gather(a, b, return_exceptions=True)
    print("A cancelled", a.cancelled(), "final locked", lock.locked())


async def main():
    await scenario("cancel while queued", False)
    await scenario("cancel after wake-up", True)


asyncio.run(main())
