import type { FastifyInstance } from 'fastify'
import type { ServerDeps } from './server-options.js'

/** Liveness and readiness, for a load balancer or an orchestrator's probes. No token needed. */
export async function registerHealthRoutes(app: FastifyInstance, { store }: ServerDeps): Promise<void> {
  app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }))

  // Ready when the database answers and every migration this build knows is applied unchanged.
  app.get('/ready', { config: { public: true } }, async (_request, reply) => {
    try {
      const migrations = await store.migrator.status()
      const notApplied = migrations.filter((migration) => migration.state !== 'applied').map((migration) => `${migration.name}: ${migration.state}`)
      if (notApplied.length > 0) return reply.status(503).send({ status: 'not_ready', reason: 'migrations', migrations: notApplied })
      return { status: 'ready', engine: store.engine }
    } catch (error) {
      app.log.warn({ err: error }, 'readiness check failed')
      return reply.status(503).send({ status: 'not_ready', reason: 'database' })
    }
  })
}
