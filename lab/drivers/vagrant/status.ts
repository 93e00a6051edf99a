/** Pure: what `vagrant status --machine-readable` says, and what a failed `vagrant up` means. */
import { EXIT, LabError } from "../../errors.js";

/** The VMs of the Vagrantfile: `<lab>-node-<k>` on `<network>.<10+k>` (as the Vagrantfile names them). */
export function vagrantMachines(lab: string, nodes: number, network: string) {
  return Array.from({ length: nodes }, (_, k) => ({
    name: `${lab}-node-${k + 1}`,
    index: k + 1,
    address: `${network}.${11 + k}`,
  }));
}

/** Machine name -> state ("running", "poweroff", "not_created", ...). */
export function machineStates(output: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [, target, type, data] = line.split(",");
    if (type === "state" && target && data) states.set(target, data.trim());
  }
  return states;
}

/** A `vagrant up` that failed for want of a hypervisor becomes a message naming it and the fix. */
export function providerProblem(output: string, provider: string): LabError | undefined {
  const missing =
    /provider '([\w-]+)' could not be found/i.exec(output) ??
    /provider '([\w-]+)' that was requested[\s\S]*?isn't usable/i.exec(output);
  const noVbox = /could not detect VirtualBox/i.test(output);
  if (!missing && !noVbox) return undefined;
  const name = missing?.[1] ?? "virtualbox";
  return new LabError(
    `Vagrant's provider "${name}" is not installed or not usable on this machine (asked for: ${provider})`,
    name === "libvirt"
      ? "install libvirt and the plugin (apt-get install qemu-kvm libvirt-daemon-system vagrant-libvirt), or use --provider virtualbox"
      : "install VirtualBox (https://www.virtualbox.org/wiki/Downloads; it needs hardware virtualisation), or use --provider libvirt",
    EXIT.usage,
  );
}
