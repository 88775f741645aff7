//! Metrics shared by the simulator and live mode: from an observation stream to success ratios,
//! downtime episodes, per-fault detection and recovery, a time series and the SLO verdict.

pub mod observations;
