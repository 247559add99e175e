# Checks: gather(..., return_exceptions=True) never raises for child errors; the
# exception objects appear in the result list at the child's position.
# Spec: "Coroutines and Tasks" -> asyncio.gather() ("If return_exceptions is True,
# exceptions are treated the same as successful results").
import asyncio


async def ok(v, delay):
    await asyncio.sleep(delay)
    return v


async def fail(exc, delay):
    await asyncio.sleep(delay)
    raise exc


async def main():
    results = await asyncio.gather(ok(1, 0.2), fail(ValueError("v"), 0.1),
                                   ok(3, 0.1), fail(KeyError("k"), 0.3),
                                   return_exceptions=True)
    for i, r in enumerate(results):
        if isinstance(r, BaseException):
            print(i, "exception", type(r).__name__)
        else:
            print(i, "value", r)


asyncio.run(main())
