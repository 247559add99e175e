# Checks: Semaphore(2) lets two tasks in at once; the others enter in FIFO order
# as slots free up. BoundedSemaphore raises ValueError when released more times
# than acquired; a plain Semaphore just grows.
# Spec: "Synchronization Primitives" -> Semaphore, BoundedSemaphore.
import asyncio


async def worker(name, sem, t0):
    loop = asyncio.get_running_loop()
    async with sem:
        print(f"{name} enter {loop.time() - t0:.1f}")
        await asyncio.sleep(0.1)
        print(f"{name} exit {loop.time() - t0:.1f}")


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    sem = asyncio.Semaphore(2)
    await asyncio.gather(*(worker(n, sem, t0) for n in "ABCD"))
    print("locked", sem.locked())
    bs = asyncio.BoundedSemaphore(1)
    await bs.acquire()
    bs.release()
    try:
        bs.release()
    except ValueError:
        print("BoundedSemaphore over-release: ValueError")
    s = asyncio.Semaphore(1)
    s.release()
    await s.acquire()
    await s.acquire()
    print("plain Semaphore over-release allowed, locked", s.locked())


asyncio.run(main())
