//! Which application a request is for: with several applications, each arrival draws one by
//! the applications' shares from its own stream ([`crate::names::stream::APPLICATION`]); with
//! one, nothing is drawn (single-application runs draw exactly what they drew before several
//! were modelled). The simulator draws one per arrival, and live mode's load draws the same
//! applications for the same arrivals.

use crate::engine::RngStream;
use crate::engine::rng::probability_threshold;
use crate::scenario::Serve;

/// The draw of each request's application.
#[derive(Debug)]
pub struct ApplicationChoice {
    stream: RngStream,
    /// Cumulative shares as thresholds out of 2^32, one per application; the last is 2^32.
    cumulative: Vec<u64>,
}

impl ApplicationChoice {
    /// The choice among `serve`'s applications under `seed`; `None` with a single application.
    pub fn new(seed: u64, serve: &Serve) -> Option<Self> {
        if serve.applications.len() < 2 {
            return None;
        }
        let mut sum = 0.0;
        let mut cumulative: Vec<u64> = serve
            .applications
            .iter()
            .map(|a| {
                sum += a.share;
                probability_threshold(sum)
            })
            .collect();
        *cumulative.last_mut().expect("several applications") = 1 << 32;
        Some(ApplicationChoice { stream: RngStream::new(seed, crate::names::stream::APPLICATION), cumulative })
    }

    /// The application of the next request, by index in `serve.applications`: application `k`
    /// with probability its share.
    pub fn pick(&mut self) -> u16 {
        let draw = self.stream.range_inclusive(0, (1 << 32) - 1);
        self.cumulative.partition_point(|&t| t <= draw) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(shares: &str) -> Serve {
        let json = format!(r#"{{ "serve": {{ "applications": [{shares}] }} }}"#);
        crate::scenario::parse(&json, "t.json").expect("valid").scenario.serve
    }

    #[test]
    fn one_application_draws_nothing_and_several_follow_their_shares() {
        assert!(ApplicationChoice::new(1, &serve(r#"{ "name": "a" }"#)).is_none());
        let two = serve(
            r#"{ "name": "a", "route_prefix": "/a", "share": 0.2 }, { "name": "b", "route_prefix": "/b", "share": 0.8 }"#,
        );
        let mut choice = ApplicationChoice::new(7, &two).expect("two applications");
        let n = 100_000;
        let light = (0..n).filter(|_| choice.pick() == 0).count();
        // Binomial(100000, 0.2): sd 126; 5 sd either side.
        assert!((19_370..=20_630).contains(&light), "{light} of {n}");
    }
}
