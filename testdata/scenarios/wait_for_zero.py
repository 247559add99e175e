# Checks: wait_for(coro, timeout=0) (or negative) on a coroutine that is not done
# cancels it before it ever runs (its body never prints) and raises TimeoutError;
# an already-done future is returned instead.
# Spec: "Coroutines and Tasks" -> asyncio.wait_for(); CPython 3.11 tasks.wait_for (timeout <= 0 path).
import asyncio


async def body():
    print("body ran (must not happen)")
    return 1


async def main():
    try:
        await asyncio.wait_for(body(), 0)
    except TimeoutError:
        print("TimeoutError for timeout=0")
    fut = asyncio.get_running_loop().create_future()
    fut.set_result("ready")
    print("done future with timeout=0:", await asyncio.wait_for(fut, 0))


asyncio.run(main())
