"""Echo server for the echo benchmark: CPython asyncio streams.

    python3 server.py --port 7000 [--uvloop]

With --uvloop the same code runs on uvloop's event loop (loop policy).
"""
import argparse
import asyncio


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve(port: int) -> None:
    server = await asyncio.start_server(echo, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=7000)
    ap.add_argument("--uvloop", action="store_true", help="use uvloop's event loop policy")
    args = ap.parse_args()
    if args.uvloop:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
