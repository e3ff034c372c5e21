// A W8 child process: the library's server or the floor's Fastify app, listening on a free
// port of 127.0.0.1, in a process of its own so that the load generator (autocannon, in
// the parent) does not share its event loop. Usage: node http-server.mjs '<json task>'.
// Prints one JSON line, {url, token}, once listening; answers each `counts` line on stdin,
// once no request is in flight, with {statements, transactions, requests, cpuMs} (all so far: requests
// answered or dropped, whose statements have all run; this process's CPU time, which the
// machine's load blurs far less than throughput); closes and exits when stdin ends.
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { newId } from './index.mjs'

const task = JSON.parse(process.argv[2])
const server =
  task.impl === 'library'
    ? await (await import('./library-http.mjs')).openLibraryServer(task.target, task)
    : await (await import('./floor-http.mjs')).openFloorServer(task.target, { ...task, newId })
await server.app.listen({ host: '127.0.0.1', port: 0 })
let inFlight = 0
let requests = 0
// `close` follows every response, sent or dropped when the load generator hangs up.
server.app.server.on('request', (_request, response) => {
  inFlight++
  response.once('close', () => {
    inFlight--
    requests++
  })
})
console.log(JSON.stringify({ url: `http://127.0.0.1:${server.app.server.address().port}`, token: server.token }))

for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'counts') continue
  while (inFlight > 0) await sleep(5)
  const { user, system } = process.cpuUsage()
  console.log(JSON.stringify({ statements: server.statements(), transactions: server.transactions(), requests, cpuMs: (user + system) / 1000 }))
}
await server.close()
