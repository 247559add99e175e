// Echo server for the echo benchmark: Node.js `net`.
//   node server.js --port 7000
'use strict';
const net = require('net');

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 7000;

net.createServer({ noDelay: true }, (sock) => {
  sock.on('data', (data) => sock.write(data));
  sock.on('error', () => {}); // resets when the load generator hangs up
}).listen(port, '127.0.0.1');
