# Checks: the ready queue is FIFO; call_soon callbacks, task steps and tasks
# resumed by sleep(0) are interleaved in scheduling order; a callback scheduled
# by a running callback runs in the next iteration, after already-queued items.
# Spec: "Event Loop" -> loop.call_soon() ("Callbacks are called in the order in
# which they are registered. Each callback will be called exactly once").
import asyncio


async def worker():
    for i in range(3):
        print(f"worker {i}")
        await asyncio.sleep(0)


async def main():
    loop = asyncio.get_running_loop()

    def cb(name, again=False):
        print(f"cb {name}")
        if again:
            loop.call_soon(cb, name + "-again")

    loop.call_soon(cb, "s1", True)
    t = asyncio.create_task(worker())
    loop.call_soon(cb, "s2")
    print("main before sleep0")
    await asyncio.sleep(0)
    print("main after sleep0")
    loop.call_soon(cb, "s3")
    await t
    print("main end")


asyncio.run(main())
