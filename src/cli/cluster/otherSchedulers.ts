// The same index contract for Kubernetes and Ray (printed only, with --dry-run:
// Latent Lab does not talk to either; docs/cluster.md says what is tested).
//   Kubernetes: one Indexed Job, completion index I = configuration I.
//   Ray: one `ray job submit` per index (Ray Jobs have no array index of their own).

import { stringify } from 'yaml';
import type { ClusterConfig } from '../../core/experiment';
import { shellQuote, trainCommandLine, type LaunchTarget } from './launchCommand';

export interface JobInput extends LaunchTarget {
  jobName: string;              // DNS-1123 label: lowercase letters, digits, '-'
  runCount: number;
  cluster: ClusterConfig;
}

/** A lowercase DNS label (Kubernetes object names, Ray submission ids) from an experiment name. */
export function dnsLabel(name: string, maxLength = 50): string {
  const s = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, maxLength).replace(/-+$/, '');
  return s || 'sweep';
}

/** `batch/v1` Job with completionMode Indexed; the container runs index $JOB_COMPLETION_INDEX. */
export function kubernetesIndexedJob(j: JobInput, node = 'node', cli?: string): string {
  const c = j.cluster;
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (c.cpus_per_task) requests.cpu = String(c.cpus_per_task);
  if (c.mem) requests.memory = c.mem.replace(/([KMGT])$/, '$1i');
  if (c.gpus) limits['nvidia.com/gpu'] = String(c.gpus);
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: j.jobName, labels: { 'app.kubernetes.io/name': 'latent-lab' } },
    spec: {
      completionMode: 'Indexed',
      completions: j.runCount,
      parallelism: Math.min(c.max_parallel ?? j.runCount, j.runCount),
      backoffLimit: 3 * j.runCount,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'latent-lab' } },
        spec: {
          // A container that fails runs its index again in place: the run resumes from its checkpoint.
          restartPolicy: 'OnFailure',
          containers: [{
            name: 'run',
            image: c.image ?? 'IMAGE-WITH-NODE-AND-THIS-REPOSITORY',
            command: ['/bin/sh', '-c', `exec ${trainCommandLine(j, '"$JOB_COMPLETION_INDEX"', node, cli)}`],
            ...(Object.keys(requests).length || Object.keys(limits).length
              ? { resources: { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) } } : {}),
          }],
        },
      },
    },
  };
  return [
    `# Kubernetes Indexed Job: ${j.runCount} runs, completion index I = sweep configuration I.`,
    `# The container needs Node, this repository and the runs folder at the same paths`,
    `# (${j.sweepDir}); mount the shared volume under spec.template.spec.volumes.`,
    stringify(job),
  ].join('\n');
}

/** One `ray job submit` line per index; the entrypoint is the same train command. */
export function raySubmitLines(j: JobInput, node = 'node', cli?: string): string[] {
  const c = j.cluster;
  const resources = [
    ...(c.cpus_per_task ? [`--entrypoint-num-cpus ${c.cpus_per_task}`] : []),
    ...(c.gpus ? [`--entrypoint-num-gpus ${c.gpus}`] : []),
  ];
  return Array.from({ length: j.runCount }, (_, i) =>
    ['ray job submit', `--submission-id ${shellQuote(`${j.jobName}-${i}`)}`, ...resources, '--no-wait', '--',
      trainCommandLine(j, String(i), node, cli)].join(' '));
}
