"""The campaign manager (C9, C13, issue 19): saved selections, campaigns as experiments of the
kernel (pre-registered goal, stratified control group, global holdout), the consent-checked
export, vouchers and a landing page, imported or observed responses, and the results with an
always-valid interval, incremental revenue and ROI."""
