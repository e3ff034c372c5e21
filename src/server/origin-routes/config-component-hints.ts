/**
 * What the origin's GUI shows for a built-in component type beyond its fields: the
 * origin's class name (the default `name` of a new component in its form) and the
 * icon class its `ICON` declares. A user's own type has neither: its `name` default is
 * its `comp_type`, and it has no icon.
 */
export interface ComponentHint {
  readonly className: string
  readonly icon?: string
}

const CSV_ICON = 'ti ti-file-type-csv'
const EXCEL_ICON = 'ti ti-file-type-xls'
const JSON_ICON = 'ti ti-json'
const MARIADB_ICON = 'ti ti-brand-mysql'
const MONGODB_ICON = 'ti ti-brand-mongodb'
const POSTGRESQL_ICON = 'devicon-postgresql-plain'
const SQLSERVER_ICON = 'devicon-microsoftsqlserver-plain'

const HINTS: Readonly<Record<string, ComponentHint>> = {
  read_csv: { className: 'ReadCSV', icon: CSV_ICON },
  write_csv: { className: 'WriteCSV', icon: CSV_ICON },
  read_excel: { className: 'ReadExcel', icon: EXCEL_ICON },
  write_excel: { className: 'WriteExcel', icon: EXCEL_ICON },
  read_json: { className: 'ReadJSON', icon: JSON_ICON },
  write_json: { className: 'WriteJSON', icon: JSON_ICON },
  read_xml: { className: 'ReadXML' },
  write_xml: { className: 'WriteXML' },
  read_mariadb: { className: 'MariaDBRead', icon: MARIADB_ICON },
  write_mariadb: { className: 'MariaDBWrite', icon: MARIADB_ICON },
  read_mongodb: { className: 'MongoDBRead', icon: MONGODB_ICON },
  write_mongodb: { className: 'MongoDBWrite', icon: MONGODB_ICON },
  read_postgresql: { className: 'PostgreSQLRead', icon: POSTGRESQL_ICON },
  write_postgresql: { className: 'PostgreSQLWrite', icon: POSTGRESQL_ICON },
  read_sqlserver: { className: 'SQLServerRead', icon: SQLSERVER_ICON },
  write_sqlserver: { className: 'SQLServerWrite', icon: SQLSERVER_ICON },
  filter: { className: 'FilterComponent', icon: 'ti ti-filter' },
  aggregation: { className: 'AggregationComponent' },
  merge: { className: 'MergeComponent', icon: 'fa-solid fa-code-merge' },
  split: { className: 'SplitComponent', icon: 'fa-solid fa-arrows-split-up-and-left' },
  schema_mapping: { className: 'SchemaMappingComponent', icon: 'fa-solid fa-table-columns' },
  type_conversion: { className: 'TypeConversionComponent' },
}

/** The GUI hint of a type: the origin's for a built-in one, the `comp_type` as name for any other. */
export function componentHint(compType: string): ComponentHint {
  return HINTS[compType] ?? { className: compType }
}
