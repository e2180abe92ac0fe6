import { HOURS_PER_MONTH, usEast1Prices } from './prices';
import { CfnTemplate, CostLine } from './template-cost';

/**
 * us-east-1 Fargate list prices (USD, Linux) per vCPU-hour and per GB-hour, from the AWS Fargate pricing
 * page (x86: $0.04048 / $0.004445; ARM/Graviton: $0.03238 / $0.00356, 20 % less). Not re-checked online
 * when this file was written (November 2026): check them before quoting.
 *
 * Fargate Spot has no fixed price: AWS prices it by supply and demand and documents it as "up to a 70 %
 * discount off the regular Fargate price". The estimate uses that 70 % as the typical discount; the real
 * Spot price of a month can be higher. Fargate Spot exists for X86_64 tasks only.
 */
export const fargatePrices = {
  X86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
  ARM64: { vcpuHour: 0.03238, gbHour: 0.00356 },
  /** The typical Fargate Spot discount assumed (AWS: "up to 70 %"). */
  spotDiscount: 0.7,
} as const;

type Resources = NonNullable<CfnTemplate['Resources']>;

function refOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && 'Ref' in value ? String((value as { Ref: unknown }).Ref) : undefined;
}

/** The fewest tasks a service runs: its scalable target's MinCapacity, else its DesiredCount, else 1. */
function minimumTasks(resources: Resources, serviceId: string, desiredCount: number | undefined): number {
  const target = Object.values(resources).find((resource) =>
    resource.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' &&
    resource.Properties?.ScalableDimension === 'ecs:service:DesiredCount' &&
    JSON.stringify(resource.Properties?.ResourceId ?? '').includes(`"${serviceId}"`));
  return Number(target?.Properties?.MinCapacity ?? desiredCount ?? 1);
}

/** How ECS places `tasks` tasks on a capacity provider strategy: the base first, the rest by weight. */
export function splitByStrategy(tasks: number, strategy: Array<{ CapacityProvider: string; Base?: number; Weight?: number }>) {
  const counts: Record<string, number> = {};
  let left = tasks;
  for (const item of strategy) {
    const base = Math.min(left, item.Base ?? 0);
    counts[item.CapacityProvider] = base;
    left -= base;
  }
  const totalWeight = strategy.reduce((sum, item) => sum + (item.Weight ?? 0), 0);
  let placed = 0;
  strategy.forEach((item, index) => {
    const share = index === strategy.length - 1 ? left - placed : Math.round((left * (item.Weight ?? 0)) / (totalWeight || 1));
    counts[item.CapacityProvider] += share;
    placed += share;
  });
  return { onDemand: counts.FARGATE ?? 0, spot: counts.FARGATE_SPOT ?? 0 };
}

/**
 * The fixed monthly cost of the Moodle service tier in a template: the Fargate tasks that always run
 * (each ECS service's minimum task count: the web service's on-demand base and the Spot share of its
 * autoscaling minimum, and the cron task), and the public IPv4 addresses of tasks that get one, at us-east-1
 * list prices. The install/upgrade task runs a few
 * minutes per deployment and CodeBuild bills per build minute: usage, not fixed cost.
 */
export function serviceTierCostLines(template: CfnTemplate): CostLine[] {
  const resources = template.Resources ?? {};
  const lines: CostLine[] = [];
  for (const [serviceId, service] of Object.entries(resources)) {
    if (service.Type !== 'AWS::ECS::Service') continue;
    const properties = service.Properties ?? {};
    const definitionId = refOf(properties.TaskDefinition);
    const definition = definitionId ? resources[definitionId]?.Properties : undefined;
    if (!definition) continue;
    const vcpu = Number(definition.Cpu) / 1024;
    const gb = Number(definition.Memory) / 1024;
    const architecture: 'X86_64' | 'ARM64' = definition.RuntimePlatform?.CpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64';
    const environment: Array<{ Name: string; Value: unknown }> = definition.ContainerDefinitions?.[0]?.Environment ?? [];
    const role = String(environment.find((entry) => entry.Name === 'MOODLE_ROLE')?.Value ?? serviceId);
    const tasks = minimumTasks(resources, serviceId, properties.DesiredCount);
    const strategy = properties.CapacityProviderStrategy ?? [{ CapacityProvider: 'FARGATE', Weight: 1 }];
    const { onDemand, spot } = splitByStrategy(tasks, strategy);
    const price = fargatePrices[architecture];
    const taskMonth = (vcpu * price.vcpuHour + gb * price.gbHour) * HOURS_PER_MONTH;
    const size = `${vcpu} vCPU / ${gb} GB, ${architecture}`;
    if (onDemand > 0) {
      lines.push({ item: `Fargate ${role} task, on-demand (${size})`, count: onDemand, monthlyUsd: onDemand * taskMonth });
    }
    if (spot > 0) {
      lines.push({
        item: `Fargate ${role} task, Spot at a typical ${fargatePrices.spotDiscount * 100} % off (${size})`,
        count: spot,
        monthlyUsd: spot * taskMonth * (1 - fargatePrices.spotDiscount),
      });
    }
    // Tasks in public subnets without NAT (NatLayout.PUBLIC_TASKS) each hold a public IPv4 address.
    if (properties.NetworkConfiguration?.AwsvpcConfiguration?.AssignPublicIp === 'ENABLED') {
      lines.push({
        item: `Public IPv4 address of a Fargate ${role} task`,
        count: tasks,
        monthlyUsd: tasks * usEast1Prices.publicIpv4Hour * HOURS_PER_MONTH,
      });
    }
  }
  return lines;
}
