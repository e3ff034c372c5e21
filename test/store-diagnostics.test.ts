import { expect, it } from 'vitest'
import { describeEngines } from './helpers/engines.js'

describeEngines('store.diagnostics()', (target) => {
  it('reports the engine, its version, a round trip and the settings doctor checks', async () => {
    const store = await target().open()
    await store.migrate()
    const diagnostics = await store.diagnostics()
    expect(diagnostics.engine).toBe(target().engine)
    expect(diagnostics.server_version).toMatch(/^\d+\.\d+/)
    expect(diagnostics.round_trip_ms).toBeGreaterThanOrEqual(0)
    if (diagnostics.engine === 'sqlite') {
      expect(diagnostics).toMatchObject({ in_memory: false, journal_mode: 'wal', auto_vacuum: 'incremental' })
      expect(diagnostics.busy_timeout_ms).toBe(store.toJSON().database.busy_timeout)
      expect(diagnostics.wal_bytes).toBeGreaterThan(0)
    } else {
      expect(diagnostics.max_connections).toBeGreaterThan(0)
    }
  })
})
