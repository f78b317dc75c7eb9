// Starts kinesalite for the integration tests: in memory, bound to 127.0.0.1 only (its CLI has
// no host flag), streams ACTIVE at once, and an account shard limit far above the default 10 so
// every test can create its own stream.
// Usage: node start.js <port> [--exit-on-stdin-close]; port 0 picks a free port.
// The first line on stdout is the port it listens on; tests read it to find the server.
'use strict'

const kinesalite = require('kinesalite')

const port = Number(process.argv[2] || 0)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: node start.js <port> (0 = any free port), got ${process.argv[2]}`)
  process.exit(2)
}

const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 10000 })
server.on('error', (e) => {
  console.error(`kinesalite: ${e.message}`)
  process.exit(1)
})
server.listen(port, '127.0.0.1', () => {
  console.log(String(server.address().port))
})

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0))

// --exit-on-stdin-close: the tests hold our stdin open, so a test run that dies without killing
// us (crash, SIGKILL) does not leave a server behind.
if (process.argv.includes('--exit-on-stdin-close')) {
  process.stdin.on('end', () => process.exit(0))
  process.stdin.on('error', () => process.exit(0))
  process.stdin.resume()
}
