# Checks: Barrier(3): wait() blocks until 3 parties arrived; each gets a distinct
# index in arrival order; abort() breaks the barrier: current and later waiters
# get BrokenBarrierError.
# Spec: "Synchronization Primitives" -> Barrier (wait(), abort(), n_waiting, broken).
import asyncio


async def party(name, b, delay, t0):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay)
    print(f"{name} arrives {loop.time() - t0:.1f}")
    try:
        idx = await b.wait()
        print(f"{name} passed index {idx} {loop.time() - t0:.1f}")
    except asyncio.BrokenBarrierError:
        print(f"{name} BrokenBarrierError")


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    b = asyncio.Barrier(3)
    await asyncio.gather(*(party(n, b, d, t0) for n, d in
                           [("A", 0.2), ("B", 0.1), ("C", 0.3)]))
    print("n_waiting", b.n_waiting, "broken", b.broken)
    b2 = asyncio.Barrier(3)
    t = asyncio.create_task(party("D", b2, 0, t0))
    await asyncio.sleep(0.1)
    print("n_waiting", b2.n_waiting)
    await b2.abort()
    await t
    print("broken", b2.broken)
    await party("E", b2, 0, t0)


asyncio.run(main())
