import { expect, it } from 'vitest'
import { createSchemaDialect } from '../src/db/schema-dialect.js'
import { ORDER_INDEXES } from '../src/repositories/execution-list.js'
import { Store } from '../src/store.js'
import { describeEngines } from './helpers/engines.js'
import { openExecutionStore } from './helpers/execution-store.js'

describeEngines('index hints of execution lists', (target) => {
  it('name only indexes the migrations create, so a list never names a missing index', async () => {
    const store = await openExecutionStore(target())
    const context = Store.context(store)
    const executions = context.table('executions')
    const live = await createSchemaDialect(context.adapter).describeTable(context.db, executions)
    expect(live).toBeDefined()
    for (const { name } of ORDER_INDEXES) expect([...(live?.indexes ?? [])]).toContain(`${executions}_${name}`)
  })
})
