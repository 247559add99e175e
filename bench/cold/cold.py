"""CPython asyncio / uvloop side of the cold benchmarks (bench/cold/run.sh)."""
import asyncio
import random
import sys
import time

mode = sys.argv[1]
n = 100_000


async def main():
    if mode == "idle":
        await asyncio.sleep(2)
    elif mode == "sleepers":
        await asyncio.gather(*(asyncio.create_task(asyncio.sleep(random.random())) for _ in range(n)))
    elif mode == "spawn":
        async def one():
            await asyncio.sleep(0)
            return 1
        tasks = [asyncio.create_task(one()) for _ in range(n)]
        for t in tasks:
            await t


start = time.perf_counter()
if "--uvloop" in sys.argv:
    import uvloop
    uvloop.install()
asyncio.run(main())
print(f"{mode}: {time.perf_counter() - start:.3f} s wall")
