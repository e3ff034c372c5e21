import { existsSync, readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { createMasterKeyFile, generateMasterKey } from '../index.js'
import { emit, formatTable } from './output.js'
import { progressBar } from './progress-bar.js'
import { withStore } from './runtime.js'

export function registerKeysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description('envelope-encryption keys: list them, rotate them')
    .addHelpText('after', '\nExamples:\n  etlp keys list\n  etlp keys rotate --new-key-file /etc/etlp/master-2027.key')

  keys
    .command('list')
    .description('the data keys and the master keys that wrap them')
    .addHelpText('after', '\nExamples:\n  etlp keys list --json')
    .action(async (_options, command: Command) => {
      await withStore(command, async (store, { json }) => {
        const list = await store.keys.list()
        emit(json === true, list, () =>
          list.length === 0
            ? 'No data keys yet (one is made with the first secret).'
            : formatTable(list, [
                { header: 'DATA KEY', value: (row) => row.id },
                { header: 'STATUS', value: (row) => row.status },
                { header: 'MASTER KEYS', value: (row) => row.master_key_ids.join(' ') },
              ]),
        )
      })
    })

  keys
    .command('rotate')
    .description('re-encrypt every secret under a new data key (and a new master key); run again to resume after a crash')
    .option('--new-key-file <file>', 'the new master key (base64 of 32 bytes); generated with mode 0600 if the file does not exist')
    .option('--batch-size <n>', 'secrets per transaction', '500')
    .addHelpText(
      'after',
      '\nExamples:\n  etlp keys rotate\n  etlp keys rotate --new-key-file /etc/etlp/master-2027.key\n\nAfter rotating to a new key file, point security.master_key_file (or ETLP_MASTER_KEY) at it:\nthe old master key no longer opens anything.',
    )
    .action(async (options: { newKeyFile?: string; batchSize: string }, command: Command) => {
      let generated = false
      if (options.newKeyFile !== undefined && !existsSync(options.newKeyFile)) {
        generated = createMasterKeyFile(options.newKeyFile, generateMasterKey())
      }
      const newKey = options.newKeyFile === undefined ? undefined : readFileSync(options.newKeyFile, 'utf8')
      await withStore(command, async (store, { json }) => {
        const bar = progressBar('secrets re-encrypted')
        const result = await store.keys.rotate({
          ...(newKey === undefined ? {} : { newKey }),
          batchSize: Number(options.batchSize),
          onProgress: ({ done, total }) => bar.update(done, total),
        })
        bar.done()
        emit(json === true, { ...result, new_key_file: options.newKeyFile ?? null, generated }, () =>
          [
            `Re-encrypted ${result.reencrypted} secret(s) under data key ${result.key_id} (master key ${result.master_key_id}).`,
            ...(options.newKeyFile === undefined ? [] : [`Now point security.master_key_file at ${options.newKeyFile}.`]),
          ].join('\n'),
        )
      })
    })
}
