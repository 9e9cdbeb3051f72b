import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { startGateway, type Gateway } from '../gateway.ts';
import { startSimulator } from '../simulator/control/start-simulator.ts';

/** Runs until SIGINT/SIGTERM, then closes cleanly. Returns -1: the process lives on. */
function untilSignal(close: () => Promise<void>): number {
  let closing = false;
  const stop = () => {
    if (closing) process.exit(1); // a second signal: stop now
    closing = true;
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return -1;
}

/** `herald serve [--sandbox]` and `herald worker`. */
export async function serveCommand(
  argv: string[],
  parts: { api: boolean; worker: boolean },
): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { sandbox: { type: 'boolean', default: false } } });
  const config = loadConfig();
  const started: { gw?: Gateway } = {};
  const gw = await startGateway({
    config,
    ...parts,
    sandbox: values.sandbox ?? false,
    workerThread: config.workerThread,
    // Without its worker the process would accept messages and never send them: stop, so a
    // supervisor restarts it.
    onWorkerThreadStopped: () =>
      void (started.gw?.close() ?? Promise.resolve()).finally(() => process.exit(1)),
  });
  started.gw = gw;
  const say = (s: string) => process.stdout.write(`${s}\n`);
  if (gw.url) say(`Herald is listening on ${gw.url}  (API docs: ${gw.url}/docs)`);
  if (parts.worker)
    say(`Worker running (${gw.store.dialect}${gw.workerThread ? ', in a worker thread' : ''}).`);
  if (values.sandbox && gw.sim) {
    const { smsc, rbm, smtp, push, control } = gw.sim;
    say(
      `Sandbox: carrier simulator on 127.0.0.1 — SMPP ${smsc.port}, RBM ${rbm.port}, SMTP ${smtp.port}, push ${push.port}, control ${control.port}`,
    );
    say(`Sandbox API key written to ${config.dataDir}/sandbox.key`);
    say(`Try: npm run herald -- send --to +15550000001 --text "hello"`);
  }
  return untilSignal(() => gw.close());
}

/** `herald simulator`: the carrier sandbox on its own, for tests, demos and benchmarks. */
export async function simulatorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '2775' },
      host: { type: 'string', default: '127.0.0.1' },
      profile: { type: 'string' },
      'system-id': { type: 'string', default: 'herald' },
      password: { type: 'string', default: 'sandbox' },
      'rbm-port': { type: 'string', default: '0' },
      'smtp-port': { type: 'string', default: '0' },
      'push-port': { type: 'string', default: '0' },
      'control-port': { type: 'string', default: '0' },
    },
  });
  const sim = await startSimulator({
    host: values.host!,
    ports: {
      smsc: Number(values.port),
      rbm: Number(values['rbm-port']),
      smtp: Number(values['smtp-port']),
      push: Number(values['push-port']),
      control: Number(values['control-port']),
    },
    systemId: values['system-id']!,
    password: values.password!,
    ...(values.profile ? { profilePath: values.profile } : {}),
  });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`Carrier simulator SMSC listening on ${values.host}:${sim.smsc.port}`);
  say(
    `RBM ${sim.rbm.url}  SMTP ${values.host}:${sim.smtp.port}  push ${values.host}:${sim.push.port}  control ${values.host}:${sim.control.port}`,
  );
  return untilSignal(() => sim.close());
}
