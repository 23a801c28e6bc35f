#!/usr/bin/python3
# A Modbus server from Debian's python3-pymodbus (3.0.x), started by the tests as a peer we did
# not write: several unit ids (slaves) on one TCP port or serial line, with Read Device
# Identification answering the given vendor/product/revision. pymodbus 3.0's framer silently
# drops requests for unit ids it does not serve, unless it serves 0 or 255; --gateway adds unit
# 255 (the gateway itself), so that other unknown unit ids get exception 0x0B "gateway target
# failed to respond", like a real TCP-to-RTU gateway. Prints "ready" once it serves.
import argparse
import asyncio
import logging
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tcp", help="host:port to listen on")
    parser.add_argument("--rtu", help="serial device to serve on")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--units", default="1", help="comma-separated unit ids")
    parser.add_argument("--vendor", default="")
    parser.add_argument("--product", default="")
    parser.add_argument("--revision", default="")
    parser.add_argument("--gateway", action="store_true")
    args = parser.parse_args()

    logging.basicConfig(level=logging.CRITICAL)
    slaves = {
        int(unit): ModbusSlaveContext(
            di=ModbusSequentialDataBlock(0, [0] * 16),
            co=ModbusSequentialDataBlock(0, [0] * 16),
            hr=ModbusSequentialDataBlock(0, [int(unit)] * 16),
            ir=ModbusSequentialDataBlock(0, [int(unit)] * 16),
            zero_mode=True,
        )
        for unit in args.units.split(",") + (["255"] if args.gateway else [])
    }
    context = ModbusServerContext(slaves=slaves, single=False)
    identity = ModbusDeviceIdentification(
        info_name={"VendorName": args.vendor, "ProductCode": args.product, "MajorMinorRevision": args.revision}
    )

    async def serve() -> None:
        common = dict(context=context, identity=identity, defer_start=True)
        if args.tcp:
            host, port = args.tcp.rsplit(":", 1)
            server = await StartAsyncTcpServer(address=(host, int(port)), allow_reuse_address=True, **common)
            serving = asyncio.ensure_future(server.serve_forever())
        else:
            server = await StartAsyncSerialServer(
                port=args.rtu, framer=ModbusRtuFramer, baudrate=args.baud, **common
            )
            await server.start()
            serving = asyncio.ensure_future(asyncio.Event().wait())
        # serve_forever binds lazily; give it a moment before announcing readiness.
        await asyncio.sleep(0.2)
        print("ready", flush=True)
        await serving

    asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
