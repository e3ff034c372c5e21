import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { catalogSnapshot } from './helpers/catalog.js'
import { describeEngines } from './helpers/engines.js'

/**
 * The schema that the core migrations build, per engine, is committed under
 * test/snapshots/. A migration that changes it must come with the new snapshot
 * (`UPDATE_SNAPSHOTS=1 npx vitest run test/schema-snapshot.test.ts`), so a schema
 * change is always visible in review.
 */
describeEngines('committed schema snapshot', (target) => {
  it('matches the catalog the migrations build', async () => {
    const store = await target().open()
    await store.migrate()
    const actual = `${(await catalogSnapshot(target().raw().db, target().engine)).join('\n')}\n`
    const file = fileURLToPath(new URL(`./snapshots/schema.${target().engine}.txt`, import.meta.url))
    if (process.env.UPDATE_SNAPSHOTS === '1' || (!existsSync(file) && process.env.CI !== 'true')) {
      writeFileSync(file, actual)
    }
    expect(actual).toBe(readFileSync(file, 'utf8'))
  })
})
