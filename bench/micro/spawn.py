# Spawn and await 100,000 tasks that each yield once: ns per task.
import asyncio, sys, time

N = 100_000

async def body():
    await asyncio.sleep(0)

async def main():
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(body()) for _ in range(N)]
        for t in tasks:
            await t
        best = min(best, (time.perf_counter() - t0) / N * 1e9)
    return best

if "--uvloop" in sys.argv:
    import uvloop
    uvloop.install()
print(f"{'uvloop' if '--uvloop' in sys.argv else 'asyncio'} spawn+await: {asyncio.run(main()):.0f} ns/task")
