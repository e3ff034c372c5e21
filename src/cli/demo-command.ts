import type { Command } from 'commander'
import { renderStatus } from './migrate-command.js'
import { emit } from './output.js'
import { withStore } from './runtime.js'

/** What `npm start` runs: for now, migrate the store and show its state. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('migrate the store and show its state (what `npm start` runs)')
    .addHelpText('after', '\nExamples:\n  etlp demo\n  etlp demo --database-url sqlite://./demo.db')
    .action(async (_options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const applied = await store.migrate()
        const status = await store.migrator.status()
        const storeId = await store.storeId()
        emit(json === true, { store: store.toJSON(), store_id: storeId, applied, status }, () =>
          [
            `etl-persistence: ${store.engine} store ${storeId ?? ''} at ${store.toJSON().database.url}`,
            `Applied ${applied.length} migration(s) now.`,
            '',
            renderStatus(status),
            '',
            'Try next:  npx etlp migrate status   npx etlp migrate plan --down   npx etlp --help',
          ].join('\n'),
        )
      })
    })
}
