# Checks: a bare Future from loop.create_future(): result() while pending raises
# InvalidStateError; an awaiter resumes after set_result (scheduled by call_later);
# set_result on a done future raises InvalidStateError; set_exception re-raises on await.
# Spec: "Futures" -> Future object (result(), set_result(), set_exception(), exception()).
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    fut = loop.create_future()
    try:
        fut.result()
    except asyncio.InvalidStateError:
        print("result() on pending: InvalidStateError")
    loop.call_later(0.1, fut.set_result, "hello")
    print("done before", fut.done())
    v = await fut
    print(f"awaited {v} {loop.time() - t0:.1f}")
    try:
        fut.set_result("again")
    except asyncio.InvalidStateError:
        print("second set_result: InvalidStateError")
    print("exception() of ok future is None", fut.exception() is None)
    f2 = loop.create_future()
    loop.call_soon(f2.set_exception, KeyError("k"))
    try:
        await f2
    except KeyError:
        print("await raised KeyError")
    print("exception() type", type(f2.exception()).__name__)
    f3 = loop.create_future()
    print("cancel pending future", f3.cancel(), "cancelled", f3.cancelled())


asyncio.run(main())
