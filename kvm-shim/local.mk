# kvm-shim/: the VM mode (VMM, devices, guest agent, guest kernel).
