// A NAT lab on one machine, in network namespaces: two homes behind one
// router that masquerades them (no forwarding between the homes, no
// hairpin, nothing in from the internet but answers), and an "internet"
// where the server runs.
//
//   home1 10.199.1.2 ─┐                 ┌─ internet 203.0.113.10 (the server)
//                     ├─ router ─ 203.0.113.1 ┘
//   home2 10.199.2.2 ─┘  (MASQUERADE out to the internet)

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SERVER_IP = '203.0.113.10';

function run(...command) {
  execFileSync(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}

const inNs = (ns, ...command) => run('ip', 'netns', 'exec', ns, ...command);

/** Whether this machine lets us make namespaces (root, iproute2, iptables). */
export function labUnavailable() {
  if (process.getuid?.() !== 0) return 'the NAT lab needs root (network namespaces)';
  const probe = `duet-probe-${process.pid}`;
  try {
    run('ip', 'netns', 'add', probe);
    inNs(probe, 'iptables', '-t', 'nat', '-L');
    return null;
  } catch (err) {
    return `network namespaces or iptables are not available here: ${err.message.split('\n')[0]}`;
  } finally {
    try {
      run('ip', 'netns', 'del', probe);
    } catch {
      // Never made.
    }
  }
}

export function createLab() {
  const id = (process.pid % 10000).toString();
  const ns = { home1: `duet-h1-${id}`, home2: `duet-h2-${id}`, router: `duet-rt-${id}`, internet: `duet-in-${id}` };
  const link = (a, nsA, b, nsB) => {
    run('ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b);
    run('ip', 'link', 'set', a, 'netns', nsA);
    run('ip', 'link', 'set', b, 'netns', nsB);
  };
  const address = (namespace, device, cidr) => {
    inNs(namespace, 'ip', 'addr', 'add', cidr, 'dev', device);
    inNs(namespace, 'ip', 'link', 'set', device, 'up');
  };
  for (const name of Object.values(ns)) {
    run('ip', 'netns', 'add', name);
    inNs(name, 'ip', 'link', 'set', 'lo', 'up');
  }
  link(`h1-${id}`, ns.home1, `r1-${id}`, ns.router);
  link(`h2-${id}`, ns.home2, `r2-${id}`, ns.router);
  link(`rw-${id}`, ns.router, `wi-${id}`, ns.internet);
  address(ns.home1, `h1-${id}`, '10.199.1.2/24');
  address(ns.home2, `h2-${id}`, '10.199.2.2/24');
  address(ns.router, `r1-${id}`, '10.199.1.1/24');
  address(ns.router, `r2-${id}`, '10.199.2.1/24');
  address(ns.router, `rw-${id}`, '203.0.113.1/24');
  address(ns.internet, `wi-${id}`, `${SERVER_IP}/24`);
  inNs(ns.home1, 'ip', 'route', 'add', 'default', 'via', '10.199.1.1');
  inNs(ns.home2, 'ip', 'route', 'add', 'default', 'via', '10.199.2.1');
  // The server must be able to answer (and relay to) whatever reaches it.
  inNs(ns.internet, 'ip', 'route', 'add', 'default', 'via', '203.0.113.1');
  inNs(ns.router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  inNs(ns.router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', `rw-${id}`, '-j', 'MASQUERADE');
  inNs(ns.router, 'iptables', '-A', 'FORWARD', '-i', `r1-${id}`, '-o', `r2-${id}`, '-j', 'DROP');
  inNs(ns.router, 'iptables', '-A', 'FORWARD', '-i', `r2-${id}`, '-o', `r1-${id}`, '-j', 'DROP');
  // Nor can the internet reach a home's private address: only answers to
  // what the home sent out come back in, as through a real home router.
  inNs(ns.router, 'iptables', '-A', 'FORWARD', '-i', `rw-${id}`, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
  inNs(ns.router, 'iptables', '-A', 'FORWARD', '-i', `rw-${id}`, '-j', 'DROP');

  // Chromium runs inside a home: a wrapper used as its executable.
  const dir = mkdtempSync(join(tmpdir(), 'duet-natlab-'));
  const chromiumIn = (namespace) => {
    const wrapper = join(dir, `chromium-${namespace}`);
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${namespace} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    return wrapper;
  };

  return {
    ns,
    chromium: { home1: chromiumIn(ns.home1), home2: chromiumIn(ns.home2) },
    wrapInternet: ['ip', 'netns', 'exec', ns.internet],
    destroy() {
      for (const name of Object.values(ns)) {
        try {
          run('ip', 'netns', 'del', name);
        } catch {
          // Already gone.
        }
      }
    },
  };
}
