import type { Kysely, RawBuilder } from 'kysely'

/** One live column, as the catalog describes it. */
export interface LiveColumn {
  readonly name: string
  readonly nullable: boolean
  /** The declared length of a varchar column; `null` where the engine stores unbounded text. */
  readonly max_length: number | null
}

/** A live table: its columns and the names of its indexes. */
export interface LiveTable {
  readonly columns: ReadonlyMap<string, LiveColumn>
  readonly indexes: ReadonlySet<string>
}

/**
 * How an engine reads and changes the shape of users' own tables (declarative models):
 * catalog introspection and the few DDL forms that differ, as capabilities. The
 * planner asks these; it never tests which engine is behind them.
 */
export interface SchemaDialect {
  /** How an integer primary key is numbered: an `auto_increment` keyword or an identity column. */
  readonly autoIncrement: 'keyword' | 'identity'
  /** Changing a column's type or nullability: `ALTER COLUMN`, `MODIFY COLUMN`, or not at all (SQLite). */
  readonly alterColumn: 'alter' | 'modify' | 'none'
  /** A foreign key on an added column: inline `REFERENCES` (SQLite) or `ADD CONSTRAINT`. */
  readonly foreignKeyOnAddColumn: 'inline' | 'constraint'
  /** `DROP INDEX` names its table (MySQL). */
  readonly dropIndexNamesTable: boolean
  /**
   * How a table's unique constraint is dropped or added: `ALTER TABLE … DROP
   * CONSTRAINT` (PostgreSQL), `… DROP INDEX` (MySQL: the constraint is its index), or by
   * rebuilding the table (SQLite cannot change a table's constraints in place).
   */
  readonly uniqueConstraintChange: 'constraint' | 'index' | 'rebuild'
  /** Whether varchar lengths are enforced by the database (SQLite stores text). */
  readonly enforcesLength: boolean
  /** The character count of a column's value. */
  charLength(column: string): RawBuilder<number>
  /**
   * After rows were inserted with explicit values for an auto-numbered key: moves the
   * key's sequence past them, so later numbered inserts do not collide (PostgreSQL
   * identity columns; the other engines do this themselves).
   */
  syncKeySequence<DB>(db: Kysely<DB>, table: string, column: string): Promise<void>
  /** The live shape of `table`, or `undefined` when there is no such table. */
  describeTable<DB>(db: Kysely<DB>, table: string): Promise<LiveTable | undefined>
}
