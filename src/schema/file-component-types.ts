import { z } from 'zod'
import { reader, writer } from './builtin-ports.js'
import type { ComponentTypeDefinition } from './component-type-registry.js'

// The origin's file components (components/file_components/): CSV, JSON, Excel and XML,
// each a reader and a writer of the same fields.

/** Every file component reads or writes one path (a directory of parts in bigdata mode). */
const file = { filepath: z.string().min(1).max(4096).describe('Path of the file') }

const csv = z.object({
  ...file,
  separator: z.enum([',', ';', '\t']).default(',').describe('Field separator: comma, semicolon or tab'),
})

const json = z.object(file)

const excel = z.object({
  ...file,
  sheet_name: z.string().nullable().default('Sheet1').describe('Sheet to read or write'),
})

const xml = z.object({
  ...file,
  root_tag: z.string().default('rows').describe('Root element of bulk and bigdata writes'),
  record_tag: z.string().default('row').describe('Element of one record'),
})

export const fileComponentTypes: readonly ComponentTypeDefinition[] = [
  reader('read_csv', csv, { description: 'Reads a CSV file' }),
  writer('write_csv', csv, { description: 'Writes a CSV file' }),
  reader('read_json', json, { description: 'Reads a JSON or NDJSON file' }),
  writer('write_json', json, { description: 'Writes a JSON or NDJSON file' }),
  reader('read_excel', excel, { description: 'Reads a sheet of an Excel file' }),
  writer('write_excel', excel, { description: 'Writes a sheet of an Excel file' }),
  reader('read_xml', xml, { description: 'Reads the records of an XML file' }),
  writer('write_xml', xml, { description: 'Writes records to an XML file' }),
]
