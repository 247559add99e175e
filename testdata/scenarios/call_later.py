# Checks: loop.call_later callbacks fire in deadline order; equal delays fire in
# registration order (CPython: later registration = later deadline); a cancelled
# TimerHandle never fires; call_soon callbacks run before any timer, even one
# registered earlier with delay 0.
# Spec: "Event Loop" -> Scheduling callbacks / Scheduling delayed callbacks; TimerHandle.cancel().
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    def cb(name):
        print(f"{name} {loop.time() - t0:.1f}")

    loop.call_later(0, cb, "later0")
    loop.call_later(0.3, cb, "c")
    loop.call_later(0.1, cb, "a")
    loop.call_later(0.2, cb, "b")
    loop.call_later(0.4, cb, "d1")
    loop.call_later(0.4, cb, "d2")
    h = loop.call_later(0.2, cb, "cancelled")
    loop.call_soon(cb, "soon")
    h.cancel()
    print("handle cancelled", h.cancelled())
    await asyncio.sleep(0.5)
    print("main end")


asyncio.run(main())
