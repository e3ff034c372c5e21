import {
  OperationNodeTransformer,
  TableNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely'

/**
 * Writes the store's table prefix in front of the core tables' names: repositories
 * query `selectFrom('executions')`, typed by `CoreDatabase`, and the SQL names
 * `etl_executions`. Only the names in `tables` change, so aliases, CTEs and the
 * declarative models' own (already prefixed) tables pass through as written; an alias
 * must therefore never be a core table's name.
 *
 * The rewrite runs when Kysely compiles a query: the hot paths compile their statements
 * once per store (`db/prepared-statement.ts`), so it costs them nothing per call.
 */
export class TablePrefixPlugin implements KyselyPlugin {
  readonly #transformer: PrefixTransformer

  constructor(prefix: string, tables: Iterable<string>) {
    this.#transformer = new PrefixTransformer(prefix, new Set(tables))
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId)
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result)
  }
}

class PrefixTransformer extends OperationNodeTransformer {
  constructor(
    readonly prefix: string,
    readonly tables: ReadonlySet<string>,
  ) {
    super()
  }

  protected override transformTable(node: TableNode): TableNode {
    const { identifier, schema } = node.table
    if (this.prefix === '' || !this.tables.has(identifier.name)) return node
    const name = this.prefix + identifier.name
    return schema === undefined ? TableNode.create(name) : TableNode.createWithSchema(schema.name, name)
  }
}
