"""Word lists the generated tenant is made of, including the awkward values real tenants have.

The awkward values exercise quoting in filters and CSV: commas, quotes, colons, whole-word AND/OR,
non-Latin letters, newlines, leading '=', '-', '+' or '@', padding, tabs and emoji.
"""

from __future__ import annotations

AWKWARD_NAMES = (
    "Space Sprockets, Inc.",
    'The "Quoted" Company',
    "Ratio: 3:1 Labs",
    "Salt AND Pepper LLC",
    "Black OR White Ltd",
    "Müller & Söhne GmbH",
    "株式会社サンプル",
    "Ελληνική Εταιρεία Α.Ε.",
    "ООО «Ромашка»",
    '=HYPERLINK("http://example.com","Click")',
    "-Minus Holdings",
    "+Plus Partners",
    "@At Sign Co",
    "Line One\nLine Two Ltd",
    "  Padded Name  ",
    "O'Brien & Sons",
    "Tab\tSeparated Inc",
    "Semi;Colon Corp",
    'Comma, Colon: AND "Quote" OR Dash -',
    "مؤسسة المثال",
    "Emoji 😀 Ventures",
    "Back\\slash Co",
    "AND",
    "or",
)

COMPANY_HEADS = (
    "Acme", "Northwind", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella", "Stark",
    "Tyrell", "Cyberdyne", "Hooli", "Vandelay", "Wonka", "Blue Sky", "Red Rock", "Silver Lake",
    "Green Valley", "Harbor", "Summit", "Pioneer", "Evergreen", "Lakeside", "Riverside",
    "Maple Leaf", "Granite", "Oakridge", "Bluebird", "Coastal", "Highland", "Sunrise",
)  # fmt: skip
COMPANY_TRADES = (
    "Dental", "Legal", "Manufacturing", "Logistics", "Accounting", "Clinic", "Builders",
    "Foods", "Realty", "Insurance", "Architects", "Motors", "Veterinary", "Engineering",
)  # fmt: skip
COMPANY_FORMS = ("LLC", "Inc.", ", Inc.", "Ltd", "Group", "Partners", "Co", "& Associates")

FIRST_NAMES = (
    "Pat", "Jordan", "Alex", "Sam", "Taylor", "Morgan", "Casey", "Jamie", "Riley", "Avery",
    "José", "Zoë", "Łukasz", "Søren", "Aoife", "Nguyễn", "Chloé", "Björn", "Anaïs", "Dmitri",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Lee", "Garcia", "Brown", "Martin", "Nguyen", "O'Brien", "Müller",
    "Dubois", "Kowalski", "Rossi", "Tanaka", "Silva", "van der Berg", "Smith-Jones",
    "李", "Иванов", "Παπαδόπουλος", "García Márquez",
)  # fmt: skip
TITLES = (
    "Office Manager", "Owner", "IT Contact", "Bookkeeper", "CFO", "Practice Manager",
    "Director, Operations", "VP: Sales", "Receptionist", "", None,
)  # fmt: skip
MEMBER_TITLES = (
    "Technician", "Senior Technician", "Service Manager", "vCIO", "Account Manager",
    "Project Engineer", "Dispatcher", "Owner",
)  # fmt: skip

LOCATIONS = (
    "Head Office", "Warehouse", "Remote", "Branch 2, Floor 3", 'Lab: Building "C"', "Zürich",
    "東京オフィス", "Front desk\nReception", "", None, "Server Room", "Home office",
)  # fmt: skip

# (id suffix, name, models as (hardware type, model number, description))
MANUFACTURERS = (
    ("dell", "Dell Inc.", (
        ("WORKSTATION", "Latitude 5440", "Dell Latitude 5440 Laptop"),
        ("WORKSTATION", "OptiPlex 7010", "Dell OptiPlex 7010 Tower"),
        ("SERVER", "PowerEdge R750", "Dell PowerEdge R750 Rack Server"))),
    ("hp", "HP", (
        ("WORKSTATION", "EliteBook 840 G8", "HP EliteBook 840 G8 Notebook PC"),
        ("WORKSTATION", "ProDesk 600 G6", "HP ProDesk 600 G6"),
        ("SERVER", "ProLiant DL380 Gen10", "HPE ProLiant DL380, Gen10"),
        ("IMAGING", "LaserJet Pro M404", "HP LaserJet Pro M404dn"))),
    ("lenovo", "Lenovo", (
        ("WORKSTATION", "ThinkPad T14 Gen 3", "Lenovo ThinkPad T14, Gen 3"),
        ("WORKSTATION", "ThinkCentre M70q", "ThinkCentre M70q Tiny"),
        ("SERVER", "ThinkSystem SR630", "ThinkSystem SR630 V2"))),
    ("apple", "Apple", (
        ("WORKSTATION", "MacBookPro18,3", "MacBook Pro (14-inch, 2021)"),
        ("MOBILE", "iPhone14,5", "iPhone 13"))),
    ("microsoft", "Microsoft Corporation", (
        ("WORKSTATION", "Surface Laptop 5", "Surface Laptop 5"),
        ("VIRTUAL", "Virtual Machine", "Hyper-V Virtual Machine"))),
    ("vmware", "VMware, Inc.", (("VIRTUAL", "VMware7,1", "VMware Virtual Platform"),)),
    ("cisco", "Cisco Systems", (
        ("NETWORK", "C1111-8P", "Cisco ISR 1100: 8 Ports"),
        ("NETWORK", "CBS350-24T", "Cisco Business 350 Switch"))),
    ("ubiquiti", "Ubiquiti", (
        ("NETWORK", "U6-Pro", "UniFi 6 Pro Access Point"),
        ("NETWORK", "USW-24-POE", "UniFi Switch 24 PoE"))),
    ("samsung", "Samsung", (
        ("MOBILE", "SM-S911U", "Galaxy S23"),
        ("MOBILE", "SM-X700", "Galaxy Tab S8"))),
    ("brother", "Brother", (("IMAGING", "MFC-L8900CDW", "Brother MFC-L8900CDW Colour Laser"),)),
    ("fujitsu", "富士通 Fujitsu", (("WORKSTATION", "LIFEBOOK U7411", "LIFEBOOK U7411"),)),
)  # fmt: skip

HARDWARE_TYPES = ("WORKSTATION", "SERVER", "VIRTUAL", "NETWORK", "MOBILE", "IMAGING")
HARDWARE_TYPE_WEIGHTS = (60, 8, 10, 9, 9, 4)

CPUS = (
    ("11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz", "Intel"),
    ("Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz", "Intel"),
    ("Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz", "Intel"),
    ("AMD Ryzen 7 PRO 5850U with Radeon Graphics", "AMD"),
    ("AMD EPYC 7313P 16-Core Processor", "AMD"),
    ("Apple M1 Pro", "Apple"),
)
OPERATING_SYSTEMS = (
    "Windows 11 Pro", "Windows 11 Pro", "Windows 10 Pro", "Windows 11 Enterprise",
    "Ubuntu 22.04.4 LTS", None,
)  # fmt: skip

SAAS_PRODUCTS = (
    ("Microsoft 365 Business Premium", "Productivity", "Microsoft", "SPB"),
    ("Microsoft 365 Business Basic", "Productivity", "Microsoft", "O365_BUSINESS_ESSENTIALS"),
    ("Exchange Online (Plan 1)", "Email", "Microsoft", "EXCHANGESTANDARD"),
    ("Google Workspace Business Standard", "Productivity", "Google", "GWS-BS"),
    ("Adobe Acrobat Pro", "Documents", "Adobe", "ACRO-PRO"),
    ("Dropbox Business, Advanced", "Storage", "Dropbox", "DBX-ADV"),
    ("Zoom Pro", "Communication", "Zoom", "ZM-PRO"),
)
SAAS_STATUSES = ("Active", "Suspended", "Expired", "Trial")

CONTRACT_TYPES = ("MANAGED_SERVICES", "BLOCK", "3RD_PARTY", "UNASSIGNED")
CONTRACT_STATUSES = (
    "ACTIVE", "ACTIVE", "ACTIVE", "EXPIRED", "SUSPENDED", "DRAFT", "SENT", "SIGNED",
    "NOT_EXECUTED", "CANCELLED",
)  # fmt: skip
BILLING_PERIODS = ("MONTHLY", "ONE_TIME", "QUARTERLY", "SEMI_ANNUAL", "ANNUAL")

TICKET_CATEGORIES = ("Service Request", "Incident", "Problem", "Change Request", "Alert")
TICKET_SUMMARIES = (
    "Printer offline", "Cannot connect to VPN", "New user setup: Jane Doe",
    'Outlook says "Disconnected"', "Email AND calendar not syncing", "Laptop slow, fan noisy",
    "Reset MFA\nUser lost phone", "=SUM(A1:A2) appears in report", "Zugriff verweigert",
    "パスワードのリセット", "Backup failed: error 0x80070005", "",
)  # fmt: skip
BOARDS = (("b_12", "Service Desk"), ("b_14", "Projects"), ("b_17", "Alerts, NOC"))

OPPORTUNITY_TITLES = (
    "Server Refresh 2026", "Microsoft 365 Migration", "Firewall Upgrade", "Workstation Refresh",
    'Backup "Plus" Upsell', "Security Awareness Training", "Wi-Fi: Site Survey", "Phones AND Paging",
)  # fmt: skip
OPPORTUNITY_STAGES = ("Prospect", "Qualified", "Proposal", "Negotiation", "Won", "Lost")

QUOTER_CATEGORY_ROOTS = (
    "Service", "Hardware", "Software", "Labour", "Licences", "Cloud", "Networking", "Security",
)  # fmt: skip
QUOTER_CATEGORY_LEAVES = (
    "Technician", "Laptops", "Desktops", "Servers", "Firewalls", "Switches", "Backup",
    "Microsoft 365", "Onboarding", "Project, Fixed Fee", "Travel & Expenses", "Monitoring",
    "Drop", "Cabling: Cat6", "Ремонт", "Misc",
)  # fmt: skip
QUOTER_ITEM_NAMES = (
    "Horizon Managed Services", "Managed Backup, per server", "Firewall Appliance", "On-site hour",
    "Remote hour", "Laptop Bundle: Standard", 'Monitor 27" 4K', "Network Switch 24-port",
    "Security AND Compliance Pack", "Cloud OR On-prem Backup", "Setup fee", "=Formula Item",
    "-Discount Line", "Kabelkanal Ø20mm",
)  # fmt: skip

INITIATIVE_NAMES = (
    "Server Replacement", "Windows 11 Upgrade", "Firewall Refresh", "Backup Modernisation",
    "MFA Rollout", "Wi-Fi Upgrade, Phase 2", 'Retire "Legacy" File Server', "Email Security: DMARC",
    "Cloud Migration AND Cost Review", "Printer Fleet Consolidation",
)  # fmt: skip
INITIATIVE_STATUSES = (
    "Approved",
    "Completed",
    "Declined",
    "InProgress",
    "New",
    "OnHold",
    "Proposed",
)
INITIATIVE_PRIORITIES = ("High", "Medium", "Low", "None")
ASSESSMENT_TITLES = (
    "Quarterly Security Review", "Technology Alignment", "Cyber Insurance Readiness",
    "Backup & DR Assessment", "Onboarding Assessment", "NIST CSF: Identify",
)  # fmt: skip
ASSESSMENT_CATEGORIES = ("Security", "Backup", "Network", "End-user Devices", "Compliance")
ASSESSMENT_QUESTIONS = (
    "Is MFA enforced for all users?", "Are backups tested monthly?",
    "Are servers under warranty?", "Is there a documented incident response plan?",
    "Are workstations encrypted (BitLocker, FileVault)?", "Is the firewall firmware current?",
)  # fmt: skip

VENDORS = (
    ("ConnectWise Manage", "PSA"), ("Datto RMM", "RMM"), ("NinjaOne", "RMM"),
    ("Microsoft 365", "SaaS"), ("Autotask PSA", "PSA"),
)  # fmt: skip

# (product name, category, type, edition, publisher) for LM installed software
SOFTWARE = (
    (
        "Microsoft 365 Apps for business",
        "Productivity",
        "Application",
        "Business",
        "Microsoft Corporation",
    ),
    ("Google Chrome", "Browser", "Application", None, "Google LLC"),
    ("Mozilla Firefox (x64 en-US)", "Browser", "Application", None, "Mozilla"),
    ("Adobe Acrobat Reader DC", "Documents", "Application", "Reader", "Adobe Inc."),
    ("7-Zip 23.01 (x64)", "Utilities", "Application", None, "Igor Pavlov"),
    ("Windows 11 Pro", "Operating System", "OperatingSystem", "Pro", "Microsoft Corporation"),
    ("SentinelOne Agent", "Security", "Agent", None, "SentinelOne, Inc."),
    ("Datto RMM Agent", "Management", "Agent", None, "Datto, Inc."),
    ("QuickBooks Desktop: Pro 2024", "Finance", "Application", "Pro", "Intuit Inc."),
    ("Zoom Workplace", "Communication", "Application", None, "Zoom Video Communications, Inc."),
    ("Java 8 Update 381", "Runtime", "Application", None, "Oracle Corporation"),
    ("ソフトウェア更新ツール", "Utilities", "Application", None, "Example KK"),
)
SOFTWARE_PER_DEVICE = 3
