/**
 * `impasto doctor` without the rest of the CLI (whose bot and queue need native modules that a
 * bundle for a bare GPU machine leaves out): what the engine finds on this machine, as text.
 */
import { parseEnvironment } from '../../src/bot/config.ts';
import { doctorEnvironmentSchema, examineMachine, formatReport } from '../../src/cli/doctor.ts';

const env = parseEnvironment(doctorEnvironmentSchema, process.env);
process.stdout.write(`${formatReport(await examineMachine(env))}\n`);
process.exit(0);
