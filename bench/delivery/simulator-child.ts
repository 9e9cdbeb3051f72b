// The carrier simulator in its own process, shared by every gateway the benchmark measures.
// Prints `READY <smsc port> <json>`; reads commands on stdin:
//   rbm-webhook <url>   where the RBM simulator posts its events (Herald's provider route)
//   stats               prints `STATS <json>` with the SMSC and RBM counters
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../../packages/herald/src/simulator/control/start-simulator.ts';

const sim = await startSimulator({
  host: '127.0.0.1',
  profilePath: fileURLToPath(new URL('./fast-profile.yaml', import.meta.url)),
});
const { smsc, rbm } = sim;
process.stdout.write(
  `READY ${smsc.port} ${JSON.stringify({ rbm: { url: rbm.url, agentId: rbm.agentId, token: rbm.token, clientToken: rbm.clientToken } })}\n`,
);
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, arg] = line.trim().split(/\s+/, 2);
  if (command === 'rbm-webhook' && arg) rbm.setWebhookUrl(arg);
  else if (command === 'stats') {
    const { byRecipient: _, ...counters } = smsc.stats();
    process.stdout.write(`STATS ${JSON.stringify({ smsc: counters, rbm: rbm.stats() })}\n`);
  }
});
process.on('SIGTERM', () => void sim.close().then(() => process.exit(0)));
