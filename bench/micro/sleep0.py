# One task yielding with asyncio.sleep(0), N times: ns per yield.
# python3 sleep0.py [--uvloop]
import asyncio, sys, time

N = 1_000_000

async def main():
    t0 = time.perf_counter()
    for _ in range(N):
        await asyncio.sleep(0)
    return (time.perf_counter() - t0) / N * 1e9

if "--uvloop" in sys.argv:
    import uvloop
    uvloop.install()
print(f"{'uvloop' if '--uvloop' in sys.argv else 'asyncio'} sleep(0): {asyncio.run(main()):.0f} ns/yield")
