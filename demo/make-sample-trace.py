"""Generates the demo's SAMPLE trace (not real data): see demo/README.md."""
import math
import os

DAY = '2030-01-07'
HERE = os.path.dirname(os.path.abspath(__file__))


def value(h):
    """Dirty/clean alternation, g/kWh, SAMPLE (not real data)."""
    bands = [(6, 420), (8, 80), (10, 450), (12, 80), (14, 430), (16, 80), (24, 400)]
    base = next(v for end, v in bands if h < end)
    return base + 6 * math.sin(h * 1.7)


measured = ['timestamp,zone,carbon_intensity']
forecast = ['issued_at,timestamp,zone,carbon_intensity']
for i in range(48):
    h = i / 2
    ts = f'{DAY}T{int(h):02d}:{30 if i % 2 else 0:02d}:00Z'
    v = round(value(h), 1)
    measured.append(f'{ts},SAMPLE,{v}')
    forecast.append(f'{DAY}T00:00:00Z,{ts},SAMPLE,{v}')
with open(os.path.join(HERE, 'sample-trace-NOT-REAL-DATA.csv'), 'w') as f:
    f.write('\n'.join(measured) + '\n')
with open(os.path.join(HERE, 'sample-forecast-NOT-REAL-DATA.csv'), 'w') as f:
    f.write('\n'.join(forecast) + '\n')
