package kiosk

// DeviceCallStaffHook is the local call-staff hook's name in the devices'
// health (a bell or pager rung by call_staff.hook_url or
// call_staff.command): degraded when none is configured, error when its
// last ring failed. Required by no service and never a resident's banner:
// the call-staff screen itself says whether anyone confirmed.
const DeviceCallStaffHook = "callstaff_hook"
